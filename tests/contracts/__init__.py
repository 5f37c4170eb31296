"""Contract test suites: one abstract test class per interface, subclassed per backend.

A backend's test module subclasses the contract and provides ``create_…()``; every backend
(in-memory, SQLite, PostgreSQL) then passes the same behaviour tests, so a unit test that
uses the in-memory one tests what production does.
"""
