"""The browser console's pages: static files (HTML, CSS, ES modules, vendored xterm.js and asciinema-player).

The server serves `static/` under /console/ (tether.server.console); nothing here is built or generated.
"""
