"""themes and failing rules as indexed rows, filled from the stored summaries

The documents list filtered by theme and by failing check with a LIKE over every summary's JSON
text (seconds at 10,000 documents). These two tables hold what those filters ask, one row per
(document, theme text) and per (document, rule of a failing check), indexed by value.

The backfill runs in SQL (PostgreSQL's json functions, SQLite's JSON1), so a large database is
not read into Python. It must pick the same rows as store.repository.filter_rows: theme texts
that are non-empty strings of at most 200 characters, rules (strings of at most 100) of checks
whose status is "fail", each once per document.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

THEME_MAX = 200
RULE_MAX = 100

BACKFILL = {
    # One statement: json_each splits each summary once (a json column is parsed again by every
    # operator applied to it, and the two tables would read every summary twice).
    "postgresql": (
        f"""WITH parts AS MATERIALIZED (
            SELECT d.id, p.key, p.value
            FROM documents d
            CROSS JOIN LATERAL json_each(CASE WHEN json_typeof(d.summary) = 'object'
                                              THEN d.summary ELSE '{{}}'::json END) AS p
            WHERE p.key IN ('themes', 'checks') AND json_typeof(p.value) = 'array'
        ), themes AS (
            INSERT INTO document_themes (document_id, theme)
            SELECT DISTINCT p.id, t.value ->> 'text'
            FROM parts p CROSS JOIN LATERAL json_array_elements(p.value) AS t(value)
            WHERE p.key = 'themes' AND json_typeof(t.value) = 'object' AND json_typeof(t.value -> 'text') = 'string'
              AND length(t.value ->> 'text') BETWEEN 1 AND {THEME_MAX}
        )
        INSERT INTO document_failing_rules (document_id, rule)
        SELECT DISTINCT p.id, c.value ->> 'rule'
        FROM parts p CROSS JOIN LATERAL json_array_elements(p.value) AS c(value)
        WHERE p.key = 'checks' AND json_typeof(c.value) = 'object' AND c.value ->> 'status' = 'fail'
          AND json_typeof(c.value -> 'rule') = 'string' AND length(c.value ->> 'rule') BETWEEN 1 AND {RULE_MAX}""",
    ),
    "sqlite": (
        f"""INSERT INTO document_themes (document_id, theme)
        SELECT DISTINCT d.id, json_extract(t.value, '$.text')
        FROM documents d, json_each(d.summary, '$.themes') AS t
        WHERE d.summary IS NOT NULL AND json_type(d.summary, '$.themes') = 'array' AND t.type = 'object'
          AND json_type(t.value, '$.text') = 'text'
          AND length(json_extract(t.value, '$.text')) BETWEEN 1 AND {THEME_MAX}""",
        f"""INSERT INTO document_failing_rules (document_id, rule)
        SELECT DISTINCT d.id, json_extract(c.value, '$.rule')
        FROM documents d, json_each(d.summary, '$.checks') AS c
        WHERE d.summary IS NOT NULL AND json_type(d.summary, '$.checks') = 'array' AND c.type = 'object'
          AND json_extract(c.value, '$.status') = 'fail' AND json_type(c.value, '$.rule') = 'text'
          AND length(json_extract(c.value, '$.rule')) BETWEEN 1 AND {RULE_MAX}""",
    ),
}


def upgrade() -> None:
    op.create_table(
        "document_themes",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(length=THEME_MAX), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id", "theme"),
    )
    op.create_table(
        "document_failing_rules",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=RULE_MAX), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id", "rule"),
    )
    dialect = op.get_bind().dialect.name
    if dialect not in BACKFILL:
        raise RuntimeError(f"no backfill for {dialect}: govdigest supports SQLite and PostgreSQL")
    for statement in BACKFILL[dialect]:
        op.execute(statement)
    # Indexes after the bulk insert: built once instead of maintained row by row.
    op.create_index("ix_document_themes_theme", "document_themes", ["theme", "document_id"])
    op.create_index("ix_document_failing_rules_rule", "document_failing_rules", ["rule", "document_id"])
    if dialect == "postgresql":
        # The planner needs the new tables' statistics to pick their indexes right away.
        op.execute("ANALYZE document_themes")
        op.execute("ANALYZE document_failing_rules")


def downgrade() -> None:
    op.drop_index("ix_document_failing_rules_rule", table_name="document_failing_rules")
    op.drop_index("ix_document_themes_theme", table_name="document_themes")
    op.drop_table("document_failing_rules")
    op.drop_table("document_themes")
