"""Public pages, one module per area: pages (home, entities), reader, indexes, search."""
