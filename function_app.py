"""Azure Functions entry point: registers the blueprints and does nothing else at import."""

import azure.functions as func

from functions import forms_poll, governance, intake, operations, pages, reports, writer

app = func.FunctionApp()
for bp in (intake.bp, writer.bp, forms_poll.bp, governance.bp, reports.bp, operations.bp, pages.bp):
    app.register_functions(bp)
