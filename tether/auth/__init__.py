"""Identities and secrets: request signatures, tokens, agent keys, encryption at rest and TLS material.

Pure building blocks; the server decides who may do what, the client and agent use these to prove who they are.
"""
