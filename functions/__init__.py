"""Azure Functions blueprints, one per trigger family. Thin: parse, call a service, reply.

Nothing heavy is imported at module level: discovery must never fail or slow down because of
settings, clients or the rules.
"""
