"""Open data (issue 16): CKAN catalogues and the statistics tables their CSV resources hold.

`tables` parses municipal CSV files robustly, `store` keeps them with their provenance in DuckDB,
`figures` computes values, sums over sub-areas and comparisons without an LLM.
"""
