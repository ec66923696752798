/* Search without a server: the locale's search-index.json, and the same normalizing as the build (pipeline/render/search.py). */
(() => {
  "use strict";
  const PREFIXES = "והבלמשכ"; // one-letter Hebrew prefixes: and, the, in, to, from, that, as
  const FINALS = { "ך": "כ", "ם": "מ", "ן": "נ", "ף": "פ", "ץ": "צ" };
  const SEPARATORS = /[\u05be\u05c0\u05c3\u05c6]/g;
  const ACRONYM = /(?<=[\u05d0-\u05ea])["'\u05f3\u05f4](?=[\u05d0-\u05ea])/g;
  const WORD = /[\p{L}\p{N}]+/gu;
  const LATIN = /^[a-z]+$/;
  const HEBREW = /^[\u05d0-\u05ea]/;
  const SHOWN = 50;

  function stem(word) {
    if (!LATIN.test(word) || word.length < 4) return word;
    if (word.endsWith("ies") && word.length > 4) return word.slice(0, -3) + "y";
    if (word.endsWith("sses")) return word.slice(0, -2);
    if (word.endsWith("ing") && word.length > 5) return word.slice(0, -3);
    if (word.endsWith("ed") && word.length > 4) return word.slice(0, -2);
    if (word.endsWith("s") && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
    return word;
  }

  function normalize(text) {
    text = text.normalize("NFD").replace(SEPARATORS, " ").replace(/\p{M}/gu, "");
    text = text.toLowerCase().replace(ACRONYM, "").replace(/[ךםןףץ]/g, (c) => FINALS[c]);
    return (text.match(WORD) || []).map(stem);
  }

  /* The word, and the word without the prefixes it may carry (בשלום -> שלום). */
  function bases(word) {
    const found = [word];
    let rest = word;
    while (HEBREW.test(rest) && rest.length > 2 && found.length < 4 && PREFIXES.includes(rest[0])) {
      rest = rest.slice(1);
      found.push(rest);
    }
    return found;
  }

  /* Whether `term` is `base` with one to three prefixes before it (ושלום, כשבשלום...). */
  function prefixed(term, base) {
    const extra = term.length - base.length;
    if (extra < 1 || extra > 3 || !term.endsWith(base)) return false;
    for (let i = 0; i < extra; i++) if (!PREFIXES.includes(term[i])) return false;
    return true;
  }

  function search(index, query) {
    const words = normalize(query);
    let scores = null;
    words.forEach((word, n) => {
      const last = n === words.length - 1;
      const forms = bases(word);
      const found = new Map();
      index.terms.forEach((term, t) => {
        let factor = 0;
        if (term === word) factor = 3;
        else if (forms.includes(term) || forms.some((base) => prefixed(term, base))) factor = 2;
        else if (last && word.length >= 2 && term.startsWith(word)) factor = 1; // the word being typed
        if (!factor) return;
        const list = index.postings[t];
        for (let i = 0; i < list.length; i += 2) found.set(list[i], (found.get(list[i]) || 0) + list[i + 1] * factor);
      });
      if (scores === null) scores = found;
      else scores = new Map([...scores].filter(([doc]) => found.has(doc)).map(([doc, s]) => [doc, s + found.get(doc)]));
    });
    return [...(scores || [])].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([doc]) => index.docs[doc]);
  }

  function counted(box, count) {
    const form = new Intl.PluralRules(document.documentElement.lang).select(count);
    return (box.dataset[form] || box.dataset.other).replace("1234567", String(count));
  }

  function show(box, index, query) {
    const list = box.querySelector(".search-results");
    const status = box.querySelector(".search-status");
    list.replaceChildren();
    if (!normalize(query).length) {
      status.textContent = "";
      return;
    }
    const found = search(index, query);
    status.textContent = found.length ? counted(box, found.length) : box.dataset.none.replace("{query}", query);
    for (const doc of found.slice(0, SHOWN)) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = doc.u;
      link.textContent = doc.t;
      link.dir = "auto";
      if (doc.l) link.lang = doc.l;
      const summary = document.createElement("p");
      summary.textContent = doc.s;
      summary.dir = "auto";
      if (doc.l) summary.lang = doc.l;
      item.append(link, summary);
      list.append(item);
    }
  }

  /* Arrow keys move between the query and the results; Escape goes back to the query. */
  function keys(box, input) {
    box.addEventListener("keydown", (event) => {
      const links = [...box.querySelectorAll(".search-results a")];
      const at = links.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && links.length) {
        links[Math.min(at + 1, links.length - 1)].focus();
      } else if (event.key === "ArrowUp" && at >= 0) {
        (at === 0 ? input : links[at - 1]).focus();
      } else if (event.key === "Escape" && at >= 0) {
        input.focus();
      } else {
        return;
      }
      event.preventDefault();
    });
  }

  async function start(box) {
    const input = box.querySelector("input[type=search]");
    const status = box.querySelector(".search-status");
    const query = new URLSearchParams(location.search).get("q") || "";
    input.value = query;
    status.textContent = box.dataset.loading;
    let index;
    try {
      index = await (await fetch(box.dataset.index)).json();
    } catch (error) {
      status.textContent = box.dataset.failed;
      return;
    }
    box.classList.add("ready");
    show(box, index, input.value);
    let timer;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        show(box, index, input.value);
        const url = new URL(location.href);
        url.searchParams.set("q", input.value);
        history.replaceState(null, "", url);
      }, 80);
    });
    box.querySelector("form").addEventListener("submit", (event) => {
      event.preventDefault();
      show(box, index, input.value);
    });
    keys(box, input);
  }

  window.pipelineSearch = { normalize, search };
  const box = document.querySelector("[data-search]");
  if (box) start(box);
})();
