"""Offline schema validation of rendered objects: Kubernetes' own API schemas and Istio's CRD schemas."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

from tripsage_rollout.charts import KUBE_VERSION

# The Istio API module (`go mod download istio.io/api@<version>`) carries every CRD with its OpenAPI schema.
ISTIO_API_VERSION = "v1.24.2"
ISTIO_CRDS_IN_MODULE = Path("kubernetes") / "customresourcedefinitions.gen.yaml"
_PRESERVE = "x-kubernetes-preserve-unknown-fields"

IstioSchemas = dict[tuple[str, str], dict[str, Any]]


def kubernetes_errors(obj: Mapping[str, Any], kube_version: str = KUBE_VERSION) -> list[str]:
    """What the Kubernetes API schema (strict: unknown fields are errors) finds wrong with obj."""
    try:
        kubernetes_validate.validate(dict(obj), kube_version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        path = ".".join(str(part) for part in exc.path)
        return [f"{path or '<root>'}: {exc.message}"]
    except kubernetes_validate.SchemaNotFoundError:
        return [f"no Kubernetes {kube_version} schema for {obj.get('apiVersion')} {obj.get('kind')}"]
    return []


def load_istio_schemas(crd_file: Path) -> IstioSchemas:
    """(apiVersion, kind) → the CRD version's schema, made strict about unknown fields."""
    schemas: IstioSchemas = {}
    for crd in yaml.safe_load_all(crd_file.read_text()):
        if not crd or crd.get("kind") != "CustomResourceDefinition":
            continue
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            schema = version.get("schema", {}).get("openAPIV3Schema")
            if schema and version.get("served"):
                schemas[(f"{group}/{version['name']}", kind)] = _strict(copy.deepcopy(schema))
    return schemas


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    # The API server silently prunes unknown fields of a structural CRD; here a misspelt field is an error.
    if "properties" in schema and not schema.get(_PRESERVE):
        schema.setdefault("additionalProperties", False)
    for key in ("properties", "patternProperties"):
        for child in schema.get(key, {}).values():
            _strict(child)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _strict(schema[key])
    for key in ("oneOf", "anyOf", "allOf"):
        for child in schema.get(key, []):
            _strict(child)
    return schema


def istio_errors(obj: Mapping[str, Any], schemas: IstioSchemas) -> list[str]:
    """What Istio's CRD schema finds wrong with obj's spec."""
    schema = schemas.get((str(obj.get("apiVersion")), str(obj.get("kind"))))
    if schema is None:
        return [f"no Istio schema for {obj.get('apiVersion')} {obj.get('kind')}"]
    spec_schema = schema.get("properties", {}).get("spec", {})
    validator = jsonschema.Draft7Validator(spec_schema)
    return [
        f"spec.{'.'.join(str(part) for part in error.path)}: {error.message}"
        for error in validator.iter_errors(obj.get("spec", {}))
    ]


def is_istio(obj: Mapping[str, Any]) -> bool:
    """True for the mesh's own kinds (networking.istio.io, security.istio.io)."""
    return str(obj.get("apiVersion", "")).split("/")[0].endswith(".istio.io")
