"""The publish targets, one module each (local, netlify, webdav), and what every target offers."""
