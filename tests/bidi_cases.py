"""Mixed-direction text as authors write it, each with the markup an RTL typesetter would write for it by hand (<bdi>).

Each case is one Markdown block and the HTML block a typesetter would make of it; tests/test_bidi_reading.py builds
the Markdown with the real `pipeline build`, and Chromium compares where every character is painted on both.
"""

from __future__ import annotations

# In a Hebrew article (an RTL page): (what the case is about, Markdown, the typesetter's HTML).
HEBREW = [
    ("ampersand in a name", "מחלקת R&D גדלה השנה.", '<p>מחלקת <bdi lang="en">R&amp;D</bdi> גדלה השנה.</p>'),
    ("ampersand between names", "ראינו את Tom & Jerry אתמול.", '<p>ראינו את <bdi lang="en">Tom &amp; Jerry</bdi> אתמול.</p>'),
    ("less-than", "אם x<y אז הלולאה נעצרת.", '<p>אם <bdi lang="en">x&lt;y</bdi> אז הלולאה נעצרת.</p>'),
    ("arrow", "החץ a -> b מסמן מעבר.", '<p>החץ <bdi lang="en">a -&gt; b</bdi> מסמן מעבר.</p>'),
    ("closing quote", 'הוא כתב "Hello" בסוף.', '<p>הוא כתב "<bdi lang="en">Hello</bdi>" בסוף.</p>'),
    (
        "URL with query and fragment",
        "ראו https://example.org/search?q=bidi&lang=he#results לפרטים.",
        '<p>ראו <bdi lang="en">https://example.org/search?q=bidi&amp;lang=he#results</bdi> לפרטים.</p>',
    ),
    (
        "URL at a sentence end",
        "התיעוד נמצא ב-https://example.org/docs.",
        '<p>התיעוד נמצא ב-<bdi lang="en">https://example.org/docs</bdi>.</p>',
    ),
    ("email", "כתבו ל-noa.levi@example.org בכל שאלה.", '<p>כתבו ל-<bdi lang="en">noa.levi@example.org</bdi> בכל שאלה.</p>'),
    (
        "English names across a sentence end",
        "אנחנו עובדים עם Node.js. React היא הספרייה שלנו.",
        '<p>אנחנו עובדים עם <bdi lang="en">Node.js</bdi>. <bdi lang="en">React</bdi> היא הספרייה שלנו.</p>',
    ),
    (
        "a list of names",
        "בחרנו ב-Node.js, React ו-Vue לפרויקט.",
        '<p>בחרנו ב-<bdi lang="en">Node.js</bdi>, <bdi lang="en">React</bdi> ו-<bdi lang="en">Vue</bdi> לפרויקט.</p>',
    ),
    ("negative temperature", "בחוץ -5°C הבוקר.", '<p>בחוץ <bdi lang="en">-5°C</bdi> הבוקר.</p>'),
    ("temperature after a prefix", "המים רתחו ב-100°C בדיוק.", '<p>המים רתחו ב-<bdi lang="en">100°C</bdi> בדיוק.</p>'),
    ("international phone number", "התקשרו ל-+972-3-555-1234 עד הערב.", "<p>התקשרו ל-<bdi>+972-3-555-1234</bdi> עד הערב.</p>"),
    ("price", "הכרטיס עולה $25.50 בלבד.", "<p>הכרטיס עולה <bdi>$25.50</bdi> בלבד.</p>"),
    ("price range", "המחיר €10–€20 לאדם.", "<p>המחיר <bdi>€10–€20</bdi> לאדם.</p>"),
    (
        "absolute and home paths",
        "ערכו את /etc/hosts ואת ~/.bashrc לפני ההפעלה.",
        '<p>ערכו את <bdi lang="en">/etc/hosts</bdi> ואת <bdi lang="en">~/.bashrc</bdi> לפני ההפעלה.</p>',
    ),
    ("relative path", "הריצו את ./run.sh מהתיקייה.", '<p>הריצו את <bdi lang="en">./run.sh</bdi> מהתיקייה.</p>'),
    ("handle", "עקבו אחרי @noa_levi ברשת.", '<p>עקבו אחרי <bdi lang="en">@noa_levi</bdi> ברשת.</p>'),
    ("hashtag", "השתמשו בתגית #opensource בפוסט.", '<p>השתמשו בתגית <bdi lang="en">#opensource</bdi> בפוסט.</p>'),
    (
        "versions",
        "שדרגו ל-v3.11.2 או ל-1.0.0-beta.",
        '<p>שדרגו ל-<bdi lang="en">v3.11.2</bdi> או ל-<bdi lang="en">1.0.0-beta</bdi>.</p>',
    ),
    ("name and version", "התקנו Python 3.12 על השרת.", '<p>התקנו <bdi lang="en">Python 3.12</bdi> על השרת.</p>'),
    ("quoted exclamation", 'הוא צעק "Watch out!" ורץ.', '<p>הוא צעק "<bdi lang="en">Watch out!</bdi>" ורץ.</p>'),
    ("quoted question", 'היא שאלה "Are you sure?" ושתקה.', '<p>היא שאלה "<bdi lang="en">Are you sure?</bdi>" ושתקה.</p>'),
    ("quoted phrase with a comma", 'הוא אמר "Hello, world!" לכולם.', '<p>הוא אמר "<bdi lang="en">Hello, world!</bdi>" לכולם.</p>'),
    (
        "code span with Hebrew",
        'הפקודה `git commit -m "שלום"` שומרת שינויים.',
        '<p>הפקודה <code dir="ltr">git commit -m "שלום"</code> שומרת שינויים.</p>',
    ),
    (
        "code span inside English words",
        "כתבו Run `npm test` now בטרמינל.",
        '<p>כתבו <bdi lang="en">Run <code>npm test</code> now</bdi> בטרמינל.</p>',
    ),
    ("code block with Hebrew", '```\nprint("שלום עולם")\n```', '<pre dir="ltr"><code>print("שלום עולם")\n</code></pre>'),
    ("English heading", "## Getting started!", '<h2><bdi lang="en">Getting started!</bdi></h2>'),
    ("English heading with a question", "## What is Node.js?", '<h2><bdi lang="en">What is Node.js?</bdi></h2>'),
    (
        "English list item",
        "- קודם כול\n- Read the docs first!\n- ולבסוף",
        '<ul>\n<li>קודם כול</li>\n<li><bdi lang="en">Read the docs first!</bdi></li>\n<li>ולבסוף</li>\n</ul>',
    ),
    (
        "English quotation",
        "> Stay hungry, stay foolish.",
        '<blockquote>\n<p><bdi lang="en">Stay hungry, stay foolish.</bdi></p>\n</blockquote>',
    ),
    (
        "a run across bold",
        "השתמשו ב-**Visual** Studio Code לעריכה.",
        '<p>השתמשו ב-<bdi lang="en"><strong>Visual</strong> Studio Code</bdi> לעריכה.</p>',
    ),
    (
        "link text",
        "קראו את [the React docs](https://react.dev/) היום.",
        '<p>קראו את <a href="https://react.dev/"><bdi lang="en">the React docs</bdi></a> היום.</p>',
    ),
    ("name in parentheses", "החוקר (Robert Emmons) פרסם מחקר.", '<p>החוקר (<bdi lang="en">Robert Emmons</bdi>) פרסם מחקר.</p>'),
    ("C++ and C#", "כתבנו ב-C++ ולא ב-C#.", '<p>כתבנו ב-<bdi lang="en">C++</bdi> ולא ב-<bdi lang="en">C#</bdi>.</p>'),
    ("size with a unit", "הקובץ שוקל 20 MB בלבד.", '<p>הקובץ שוקל <bdi lang="en">20 MB</bdi> בלבד.</p>'),
    (".NET after a prefix", "התקנו את ה-.NET 8 אתמול.", '<p>התקנו את ה-<bdi lang="en">.NET 8</bdi> אתמול.</p>'),
    ("a dotfile", "הוסיפו שורה ל-.gitignore ושמרו.", '<p>הוסיפו שורה ל-<bdi lang="en">.gitignore</bdi> ושמרו.</p>'),
    (
        "Windows path",
        "הקובץ נמצא ב-C:\\Users\\dana\\NuGet.Config – ערכו אותו.",
        '<p>הקובץ נמצא ב-<bdi lang="en">C:\\Users\\dana\\NuGet.Config</bdi> – ערכו אותו.</p>',
    ),
    (
        "a trademark",
        "התקנו את Windows® ו-Office™ אתמול.",
        '<p>התקנו את <bdi lang="en">Windows®</bdi> ו-<bdi lang="en">Office™</bdi> אתמול.</p>',
    ),
    ("a Mac shortcut", "לחצו ⌘+C כדי להעתיק.", '<p>לחצו <bdi lang="en">⌘+C</bdi> כדי להעתיק.</p>'),
    ("shell variable", "הגדירו את $HOME לפני ההרצה.", '<p>הגדירו את <bdi lang="en">$HOME</bdi> לפני ההרצה.</p>'),
    (
        "a setting with a variable",
        "הוסיפו PATH=/usr/local/bin:$PATH לקובץ.",
        '<p>הוסיפו <bdi lang="en">PATH=/usr/local/bin:$PATH</bdi> לקובץ.</p>',
    ),
    (
        "Windows path with a space",
        "התקינו ב-C:\\Program Files\\App ולחצו.",
        '<p>התקינו ב-<bdi lang="en">C:\\Program Files\\App</bdi> ולחצו.</p>',
    ),
    (
        "URL before a parenthesis",
        "הורידו מ-https://dot.net (בערך 200 MB) והריצו.",
        '<p>הורידו מ-<bdi lang="en">https://dot.net</bdi> (בערך <bdi lang="en">200 MB</bdi>) והריצו.</p>',
    ),
    ("time and date need nothing", "ניפגש ב-12:30 ב-2024-03-12.", "<p>ניפגש ב-12:30 ב-2024-03-12.</p>"),
    ("abbreviations", 'צה"ל נפגש עם Dr. Smith אתמול.', '<p>צה"ל נפגש עם <bdi lang="en">Dr. Smith</bdi> אתמול.</p>'),
    (
        "English sentence at the end",
        "המשפט האחרון הוא This is the end.",
        '<p>המשפט האחרון הוא <bdi lang="en">This is the end</bdi>.</p>',
    ),
    (
        "author's override",
        "הוא כתב [Node.js, React]{dir=ltr} בכותרת.",
        '<p>הוא כתב <bdi dir="ltr" lang="en">Node.js, React</bdi> בכותרת.</p>',
    ),
]

# In an English article (an LTR page): Hebrew runs, the mirror case.
ENGLISH = [
    (
        "quoted Hebrew with a number",
        'The footer says "3 בלוג פוסטים" at the bottom.',
        '<p>The footer says "<bdi lang="he">3 בלוג פוסטים</bdi>" at the bottom.</p>',
    ),
    (
        "Hebrew word",
        "The Hebrew word שלום עולם means hello world.",
        '<p>The Hebrew word <bdi lang="he">שלום עולם</bdi> means hello world.</p>',
    ),
    ("Hebrew name with geresh", "Written by ד״ר נועה לוי, 2024.", '<p>Written by <bdi lang="he">ד״ר נועה לוי</bdi>, 2024.</p>'),
    ("Hebrew with a number", "Read פרק 3 first.", '<p>Read <bdi lang="he">פרק 3</bdi> first.</p>'),
    (
        "a list of Hebrew names",
        "Cities: תל אביב, ירושלים, חיפה.",
        '<p>Cities: <bdi lang="he">תל אביב</bdi>, <bdi lang="he">ירושלים</bdi>, <bdi lang="he">חיפה</bdi>.</p>',
    ),
    ("Hebrew heading", "## שאלות ותשובות?", '<h2><bdi lang="he">שאלות ותשובות?</bdi></h2>'),
]

# Front matter of the Hebrew article: its title and summary, with the typesetter's HTML.
TITLE = "Tom's Hardware ו-R&D: מדריך"
TITLE_HTML = '<bdi lang="en">Tom\'s Hardware</bdi> ו-<bdi lang="en">R&amp;D</bdi>: מדריך'
TITLE_ISOLATED = "\u2066Tom's Hardware\u2069 ו-\u2066R&D\u2069: מדריך"
SUMMARY = "עדכון ל-Node.js. React ו-Vue נתמכות, ראו https://example.org/a?b=1&c=2."
SUMMARY_HTML = (
    'עדכון ל-<bdi lang="en">Node.js</bdi>. <bdi lang="en">React</bdi> ו-<bdi lang="en">Vue</bdi> נתמכות, '
    'ראו <bdi lang="en">https://example.org/a?b=1&amp;c=2</bdi>.'
)
ALT = "תרשים של Node.js 20 ו-React"
ALT_ISOLATED = "תרשים של \u2066Node.js 20\u2069 ו-\u2066React\u2069"

# A table in raw HTML (a site with markdown.allow_raw_html): each cell decided on by itself.
TABLE = (
    "<table>\n<tr><th>שם</th><th>Version</th><th>הערה</th></tr>\n"
    "<tr><td>Node.js</td><td>20.11.1</td><td>גרסת LTS, ראו https://nodejs.org/en?x=1&y=2</td></tr>\n"
    "<tr><td>מסגרת React</td><td>v18.2.0-rc</td><td>-5°C ו-C++</td></tr>\n</table>"
)
TABLE_HTML = (
    '<table>\n<tbody><tr><th>שם</th><th><bdi lang="en">Version</bdi></th><th>הערה</th></tr>\n'
    '<tr><td><bdi lang="en">Node.js</bdi></td><td><bdi>20.11.1</bdi></td>'
    '<td>גרסת <bdi lang="en">LTS</bdi>, ראו <bdi lang="en">https://nodejs.org/en?x=1&amp;y=2</bdi></td></tr>\n'
    '<tr><td>מסגרת <bdi lang="en">React</bdi></td><td><bdi lang="en">v18.2.0-rc</bdi></td>'
    '<td><bdi lang="en">-5°C</bdi> ו-<bdi lang="en">C++</bdi></td></tr>\n</tbody></table>'
)
