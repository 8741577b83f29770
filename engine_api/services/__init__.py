"""The service layer: one function per operation, each run in one SQL transaction.

Routes turn a request into one call of this layer; nothing here knows about HTTP.
"""
