#!/usr/bin/env python3
"""Validates YAML recipes against docs/stowage.schema.json with the jsonschema package.

Usage: validate_schema.py SCHEMA RECIPE...
Prints one line per recipe, in order: "valid", or "invalid: <first error>". Exits 0 unless the
schema itself is not a valid JSON Schema (exit 3) or a file cannot be read (exit 4).
"""
import json
import sys

import jsonschema
import yaml


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    validator_class = jsonschema.validators.validator_for(schema)
    try:
        validator_class.check_schema(schema)
    except jsonschema.SchemaError as e:
        print(f"schema error: {e.message}")
        return 3
    validator = validator_class(schema)
    for path in sys.argv[2:]:
        try:
            with open(path, encoding="utf-8") as f:
                document = yaml.safe_load(f)
        except (OSError, yaml.YAMLError) as e:
            print(f"cannot read {path}: {e}")
            return 4
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
        if errors:
            where = "/".join(str(p) for p in errors[0].path)
            print(f"invalid: {where}: {errors[0].message}")
        else:
            print("valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
