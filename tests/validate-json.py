#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Validate JSON documents against one of nfscheck's shipped schemas.

usage: validate-json.py SCHEMA FILE...   (exit 0 when all are valid)

The other schemas in SCHEMA's directory are known by their $id, so one can
refer to another (diagnose's nfs.server values use the server schema).
"""
import glob
import json
import os
import sys

import jsonschema


def validator_for(path):
    schema = json.load(open(path))
    jsonschema.Draft202012Validator.check_schema(schema)
    store = {}
    for other in glob.glob(os.path.join(os.path.dirname(os.path.abspath(path)), "*.schema.json")):
        doc = json.load(open(other))
        store[doc.get("$id", other)] = doc
    try:
        import referencing  # jsonschema >= 4.18

        registry = referencing.Registry().with_resources(
            (uri, referencing.Resource.from_contents(doc)) for uri, doc in store.items())
        return jsonschema.Draft202012Validator(schema, registry=registry)
    except ImportError:
        resolver = jsonschema.RefResolver.from_schema(schema, store=store)
        return jsonschema.Draft202012Validator(schema, resolver=resolver)


def main():
    validator = validator_for(sys.argv[1])
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
