"""The transparency portal: figures from the store (data), charts, the sharing drawing,
Jinja2 templates and the atomic static build; the live app renders the same templates."""
