"""snow emergencies, their ticket changes, reallocation proposals, plow runs and segment states

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 16:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    ref_table = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{ref_table}"))


def upgrade() -> None:
    op.create_table(
        "snow_emergencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("districts", sa.JSON(), nullable=False),
        sa.Column("start_at", TS, nullable=False),
        sa.Column("expected_end_at", TS, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("declared_by_id", sa.Integer(), nullable=True),
        sa.Column("declared_at", TS, nullable=False),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("snow_emergencies", "declared_by_id", "users.id"),
        _fk("snow_emergencies", "ended_by_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snow_emergencies")),
    )
    op.create_index(op.f("ix_snow_emergencies_status"), "snow_emergencies", ["status"], unique=False)
    op.create_table(
        "snow_ticket_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("emergency_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("original_priority", sa.String(length=10), nullable=False),
        sa.Column("original_priority_reason", sa.String(length=400), nullable=True),
        sa.Column("original_status", sa.String(length=20), nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.Column("restored_at", TS, nullable=True),
        _fk("snow_ticket_changes", "emergency_id", "snow_emergencies.id"),
        _fk("snow_ticket_changes", "ticket_id", "tickets.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snow_ticket_changes")),
    )
    op.create_index(
        op.f("ix_snow_ticket_changes_emergency_id"), "snow_ticket_changes", ["emergency_id"], unique=False
    )
    op.create_index(
        "ix_snow_ticket_changes_open", "snow_ticket_changes", ["ticket_id", "restored_at"], unique=False
    )
    op.create_table(
        "snow_proposals",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("emergency_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("time_limit_s", sa.Float(), nullable=False),
        sa.Column("units", sa.JSON(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("overrides", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", TS, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("snow_proposals", "emergency_id", "snow_emergencies.id"),
        _fk("snow_proposals", "created_by_id", "users.id"),
        _fk("snow_proposals", "approved_by_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snow_proposals")),
    )
    op.create_index(op.f("ix_snow_proposals_emergency_id"), "snow_proposals", ["emergency_id"], unique=False)
    op.create_table(
        "snow_plow_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.String(length=32), nullable=False),
        sa.Column("equipment_id", sa.String(length=40), nullable=False),
        sa.Column("crew_id", sa.String(length=40), nullable=False),
        sa.Column("district", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("edge_ids", sa.JSON(), nullable=False),
        sa.Column("length_m", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("completed_at", TS, nullable=True),
        _fk("snow_plow_runs", "proposal_id", "snow_proposals.id"),
        _fk("snow_plow_runs", "equipment_id", "equipment.id"),
        _fk("snow_plow_runs", "crew_id", "crews.id"),
        _fk("snow_plow_runs", "job_id", "crew_jobs.id"),
        _fk("snow_plow_runs", "ticket_id", "tickets.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snow_plow_runs")),
        sa.UniqueConstraint("job_id", name=op.f("uq_snow_plow_runs_job_id")),
    )
    op.create_index(op.f("ix_snow_plow_runs_proposal_id"), "snow_plow_runs", ["proposal_id"], unique=False)
    op.create_table(
        "snow_segment_states",
        sa.Column("edge_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_plowed_at", TS, nullable=False),
        sa.Column("crew_id", sa.String(length=40), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("passes", sa.Integer(), nullable=False),
        _fk("snow_segment_states", "crew_id", "crews.id"),
        sa.PrimaryKeyConstraint("edge_id", name=op.f("pk_snow_segment_states")),
    )


def downgrade() -> None:
    op.drop_table("snow_segment_states")
    op.drop_index(op.f("ix_snow_plow_runs_proposal_id"), table_name="snow_plow_runs")
    op.drop_table("snow_plow_runs")
    op.drop_index(op.f("ix_snow_proposals_emergency_id"), table_name="snow_proposals")
    op.drop_table("snow_proposals")
    op.drop_index("ix_snow_ticket_changes_open", table_name="snow_ticket_changes")
    op.drop_index(op.f("ix_snow_ticket_changes_emergency_id"), table_name="snow_ticket_changes")
    op.drop_table("snow_ticket_changes")
    op.drop_index(op.f("ix_snow_emergencies_status"), table_name="snow_emergencies")
    op.drop_table("snow_emergencies")
