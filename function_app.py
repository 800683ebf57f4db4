"""Azure Functions entry point: registers the blueprints and does nothing else at import."""

import azure.functions as func

from functions.intake import bp as intake
from functions.writer import bp as writer

app = func.FunctionApp()
app.register_functions(intake)
app.register_functions(writer)
