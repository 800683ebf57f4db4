"""Azure Functions entry point: registers the blueprints and does nothing else at import."""

import azure.functions as func

from functions.forms_poll import bp as forms_poll
from functions.governance import bp as governance
from functions.intake import bp as intake
from functions.reports import bp as reports
from functions.writer import bp as writer

app = func.FunctionApp()
app.register_functions(intake)
app.register_functions(writer)
app.register_functions(forms_poll)
app.register_functions(governance)
app.register_functions(reports)
