"""Every timer job by name: the health endpoint and the ops digest read their last runs from here."""

TIMER_JOBS = (
    "writer",
    "forms_poll",
    "governance",
    "erp_folder_import",
    "followups",
    "kpis",
    "health",
    "purge",
    "ops_digest",
)
