"""Server-rendered pages (the action confirm page, the customer card): transport-free request and
response shapes, who is signed in, who may act, and one mobile-first page layout.

The same page code runs under Azure Functions (functions/pages.py adapts func.HttpRequest) and under
`cxhub serve` (cxhub/local_intake.py adapts http.server); nothing here imports azure.functions.
"""
