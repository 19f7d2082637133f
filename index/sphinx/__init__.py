"""The Sphinx engine: the archive sharded over Sphinx 2.2 ``searchd`` nodes (SphinxQL).

Modules: `nodes` (local nodes: configs, start, stop), `schema` (the shard schema and an
article as a row of our own analysed terms), `client` (connections, timeouts, errors),
`matching` (a resolved query as MATCH() text), `facets` (filters and FACET/GROUP BY
counts), `state` (what is kept beside the nodes: served slot, alias table, manifest),
`build` (writes) and `engine` (`SphinxEngine`, the `index.engine.Engine` over them).
"""
