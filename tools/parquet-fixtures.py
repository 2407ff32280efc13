"""Writes the Parquet files the data tests read, with pyarrow (as `datasets` and pandas write them).

    python3 tools/parquet-fixtures.py      # needs pyarrow

- packages/train/test/fixtures/prompt-completion.parquet: the first 8 records of the CLI's demo task,
  snappy pages, row groups of 3 rows (so a reader must walk several groups).
- packages/train/test/fixtures/tokenized-zstd.parquet: 4 pre-tokenized rows (int64 lists), zstd pages.
- packages/train/test/fixtures/bad-record.parquet: a prompt_completion file whose row 2 has a number
  as completion (the per-record checks must name row 2).
"""
import json
import pathlib

import pyarrow as pa
import pyarrow.parquet as pq

root = pathlib.Path(__file__).resolve().parent.parent
out = root / "packages" / "train" / "test" / "fixtures"
out.mkdir(parents=True, exist_ok=True)

rows = [json.loads(l) for l in (root / "packages" / "cli" / "assets" / "demo-task" / "train.jsonl").read_text().splitlines()[:8]]
table = pa.table({"prompt": [r["prompt"] for r in rows], "completion": [r["completion"] for r in rows]})
pq.write_table(table, out / "prompt-completion.parquet", compression="snappy", row_group_size=3)

tok = pa.table({
    "input_ids": pa.array([[5, 6, 7], [8, 9], [10, 11, 12, 13], [14]], type=pa.list_(pa.int64())),
    "labels": pa.array([[-100, 6, 7], [8, 9], [-100, -100, 12, 13], [14]], type=pa.list_(pa.int64())),
})
pq.write_table(tok, out / "tokenized-zstd.parquet", compression="zstd")

bad = pa.table({"prompt": ["a", "b", "c"], "completion": pa.array(["x", None, "z"], type=pa.string())})
pq.write_table(bad, out / "bad-record.parquet")
print("wrote", sorted(p.name for p in out.glob("*.parquet")))
