"""Entity resolution: organisations, researchers, publications, and duplicate S&T tasks.

Pure Python on plain records (dicts shaped like the staging rows), so the Dagster assets, the
`csdl match-eval` command and the benchmarks all call the same code. Text is compared in the
Vietnamese normal form (`sources.vietnamese`) and the match keys of `warehouse.names`; candidate
pairs come from blocking keys, and rapidfuzz scores the pairs inside each block.
"""
