"""The /__sandbox control API: health, faults and counters."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from tripsage_sandbox.faults import FaultKind, FaultRegistry, Provider, RequestStats

router = APIRouter(prefix="/__sandbox", tags=["sandbox control"])


class FaultSpec(BaseModel):
    """A fault to arm; without count or duration_s it lasts until deleted."""

    provider: Provider
    kind: FaultKind
    endpoint: str | None = Field(None, description="endpoint name (e.g. flight_offers) or path prefix (/v2/...)")
    count: int | None = Field(None, ge=1)
    duration_s: float | None = Field(None, gt=0)
    delay_s: float = Field(1.0, ge=0, le=300)
    retry_after_s: int = Field(1, ge=0, le=3600)


def _faults(request: Request) -> FaultRegistry:
    registry: FaultRegistry = request.app.state.faults
    return registry


def _stats(request: Request) -> RequestStats:
    stats: RequestStats = request.app.state.stats
    return stats


@router.get("/health")
async def health(request: Request) -> dict[str, Any]:
    """Liveness plus whether the embedding model is on disk."""
    embedder = request.app.state.embedder
    return {"status": "ok", "embedding_model": "ready" if embedder.available() else "missing", "sandbox": True}


@router.post("/faults", status_code=201)
async def arm_fault(spec: FaultSpec, request: Request) -> dict[str, Any]:
    """Arm a fault and return it with its id."""
    fault = _faults(request).arm(
        provider=spec.provider,
        kind=spec.kind,
        endpoint=spec.endpoint,
        count=spec.count,
        duration_s=spec.duration_s,
        delay_s=spec.delay_s,
        retry_after_s=spec.retry_after_s,
    )
    return fault.describe()


@router.get("/faults")
async def list_faults(request: Request) -> dict[str, Any]:
    """Faults still armed."""
    return {"faults": [f.describe() for f in _faults(request).active()]}


@router.delete("/faults")
async def clear_faults(request: Request) -> dict[str, Any]:
    """Disarm every fault."""
    return {"cleared": _faults(request).clear()}


@router.delete("/faults/{fault_id}")
async def delete_fault(fault_id: str, request: Request) -> dict[str, Any]:
    """Disarm one fault."""
    if not _faults(request).remove(fault_id):
        raise HTTPException(status_code=404, detail=f"no armed fault {fault_id}")
    return {"deleted": fault_id}


@router.get("/stats")
async def stats(request: Request) -> dict[str, Any]:
    """Provider calls counted since start or the last reset."""
    return _stats(request).snapshot()


@router.delete("/stats")
async def reset_stats(request: Request) -> dict[str, Any]:
    """Zero the counters."""
    _stats(request).reset()
    return {"reset": True}
