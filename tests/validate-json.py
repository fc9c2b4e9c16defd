#!/usr/bin/python3
"""Validate JSON documents against one of nfscheck's shipped schemas.

usage: validate-json.py SCHEMA FILE...   (exit 0 when all are valid)
"""
import json
import sys

import jsonschema


def main():
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    for path in sys.argv[2:]:
        doc = json.load(open(path))
        for err in validator.iter_errors(doc):
            bad += 1
            where = "/".join(str(p) for p in err.absolute_path)
            print(f"{path}: {where}: {err.message}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
