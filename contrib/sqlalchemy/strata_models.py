#!/usr/bin/env python3
"""Write the schema an application's SQLAlchemy models declare as the SQL
that `strata plan --desired FILE` and `strata record --desired FILE` read.

    python3 strata_models.py MODULE [-o FILE] [--metadata NAME]

MODULE is the application's models module (`myapp.models`, or a path to a
`.py` file); its `MetaData` is found as `Base.metadata`, as a module-level
`metadata`, or under the name `--metadata` gives. Every table's
`CREATE TABLE` and every index's `CREATE INDEX` are compiled for
SQLAlchemy's SQLite dialect, in dependency order, and written to FILE
(standard output without -o). Nothing is connected to: the models are
only compiled.
"""

import argparse
import importlib
import importlib.util
import os
import sys


def load(module):
    if module.endswith(".py") or os.sep in module:
        path = os.path.abspath(module)
        if not os.path.isfile(path):
            raise SystemExit(f"error: {module}: no such file")
        name = os.path.splitext(os.path.basename(path))[0]
        sys.path.insert(0, os.path.dirname(path))
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise SystemExit(f"error: cannot load {module}")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        return mod
    sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        raise SystemExit(f"error: cannot import {module}: {e}")


def find_metadata(mod, name):
    from sqlalchemy import MetaData

    candidates = []
    if name:
        candidates.append(getattr(mod, name, None))
    else:
        candidates.append(getattr(getattr(mod, "Base", None), "metadata", None))
        candidates.append(getattr(mod, "metadata", None))
        candidates.extend(vars(mod).values())
    for c in candidates:
        if isinstance(c, MetaData):
            return c
        inner = getattr(c, "metadata", None)
        if isinstance(inner, MetaData):
            return inner
    where = f"named {name}" if name else "(Base.metadata or metadata)"
    raise SystemExit(f"error: {mod.__name__} has no SQLAlchemy MetaData {where}")


def schema_sql(metadata):
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    dialect = sqlite.dialect()
    out = []
    for table in metadata.sorted_tables:
        out.append(str(CreateTable(table).compile(dialect=dialect)).strip() + ";")
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            out.append(str(CreateIndex(index).compile(dialect=dialect)).strip() + ";")
    return "\n\n".join(out) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Write the schema SQLAlchemy models declare, for strata record --desired."
    )
    parser.add_argument("module", help="the models module (dotted name or .py path)")
    parser.add_argument("-o", "--output", help="the file to write (default: standard output)")
    parser.add_argument("--metadata", help="the name of the MetaData (or declarative base) in the module")
    args = parser.parse_args(argv)
    try:
        import sqlalchemy  # noqa: F401
    except ImportError:
        raise SystemExit("error: SQLAlchemy is not installed in this Python (pip install sqlalchemy)")
    sql = schema_sql(find_metadata(load(args.module), args.metadata))
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(sql)
    else:
        sys.stdout.write(sql)


if __name__ == "__main__":
    main()
