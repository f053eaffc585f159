"""The engine: population arrays, random streams, graph, calendar, modules, loop, results.

It knows nothing about Belarus or any other scenario.
"""
