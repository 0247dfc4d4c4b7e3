"""The JSON API at /api/: read-only, published content only (Django REST framework)."""
