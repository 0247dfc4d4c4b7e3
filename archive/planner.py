"""The query planner's statistics, kept where the database does not keep them itself.

SQLite has none until ANALYZE runs, and without them it starts joins from the `status`
index (every row is published) instead of the few rows a page needs: at 5,000 articles the
people index took 42.7 s instead of 0.36 s (docs/performance.md). PostgreSQL's autovacuum
analyses tables by itself, so nothing is done there.
"""

from django.db import DEFAULT_DB_ALIAS, connections

#: Rows sampled per index: ANALYZE stays well under a second however large the archive grows,
#: and approximate statistics choose the same plans here.
SQLITE_ANALYSIS_LIMIT = 1000


def refresh_statistics(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Bring the planner's statistics up to date after a bulk change; True if anything ran."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
    return True
