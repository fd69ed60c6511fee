"""The web app (``alpr-audit serve``): HTML pages and a JSON API read live from the store.

``app.create_app`` builds the FastAPI application; ``pages`` holds the HTML routes (shared
templates with the static portal), ``api`` the JSON routes, ``deps`` how a request gets the
store, ``security`` the headers, auth and limits.
"""
