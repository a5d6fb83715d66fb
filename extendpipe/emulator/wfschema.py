"""JSON schema of the workflow definitions file (see definitions.py for an example)."""

from __future__ import annotations

from typing import Any

_NAME = {"type": "string", "minLength": 1}
DEFINITIONS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "workflows"],
    "properties": {
        "version": {"const": 1},
        "workflows": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "versions"],
                "properties": {
                    "id": {"type": "string", "pattern": "^workflow_[A-Za-z0-9_-]+$"},
                    "name": _NAME,
                    "versions": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/version"}},
                },
            },
        },
    },
    "$defs": {
        "version": {
            "type": "object",
            "additionalProperties": False,
            "required": ["version", "steps"],
            "properties": {
                "version": {
                    "anyOf": [
                        {"type": "string", "pattern": "^(draft|[1-9][0-9]*)$"},
                        {"type": "integer", "minimum": 1},
                    ]
                },
                "steps": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/step"}},
            },
        },
        "step": {
            "oneOf": [
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["type"],
                    "properties": {"type": {"const": "parse"}, "name": _NAME},
                },
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["type", "classes"],
                    "properties": {
                        "type": {"const": "classify"},
                        "name": _NAME,
                        "default": _NAME,
                        "classes": {
                            "type": "array",
                            "minItems": 1,
                            "items": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["id", "keywords"],
                                "properties": {
                                    "id": _NAME,
                                    "keywords": {"type": "array", "minItems": 1, "items": _NAME},
                                },
                            },
                        },
                    },
                },
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["type"],
                    "anyOf": [{"required": ["fields"]}, {"required": ["builtin"]}],
                    "properties": {
                        "type": {"const": "extract"},
                        "name": _NAME,
                        "builtin": {"enum": ["invoice"]},
                        "fields": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["name", "type", "pattern"],
                                "properties": {
                                    "name": _NAME,
                                    "pattern": {"type": "string", "format": "regex"},
                                    "type": {"enum": ["string", "number", "integer", "date"]},
                                },
                            },
                        },
                    },
                },
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["type"],
                    "properties": {
                        "type": {"const": "review"},
                        "name": _NAME,
                        "required": {"type": "array", "items": _NAME},
                        "reject_classes": {"type": "array", "items": _NAME},
                    },
                },
            ]
        },
    },
}
