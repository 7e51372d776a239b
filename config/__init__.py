"""Django project package of Gemeindeportal (settings, URLs, WSGI/ASGI entry points)."""
