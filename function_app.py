"""Azure Functions entry point: registers the blueprints and does nothing else at import."""

import azure.functions as func

from cxhub.logs import install_json_logging
from functions import forms_poll, governance, intake, operations, pages, reports, writer

install_json_logging()  # every line the app logs reaches Application Insights as one JSON object
app = func.FunctionApp()
for bp in (intake.bp, writer.bp, forms_poll.bp, governance.bp, reports.bp, operations.bp, pages.bp):
    app.register_functions(bp)
