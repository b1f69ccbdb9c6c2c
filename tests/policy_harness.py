"""Act as the Pulumi engine towards a policy pack, over the real gRPC protocol.

No Pulumi CLI exists here, so tests do what the engine does: start the pack as
``python -u -m pulumi.policy <engineAddress> <packDir>`` with cwd = the pack directory and the
engine's environment (``PULUMI_PROJECT``, ``PULUMI_STACK``, ``PULUMI_DRY_RUN``,
``PULUMI_CONFIG``), read the port from the first line of stdout, then call the
``pulumirpc.Analyzer`` service with protobuf Structs. :class:`FakeEngine` serves the
engine address (``pulumirpc.Engine``) and records any log call the pack makes.

Resources are written once, as ResourceV3 records (``tests.builders.StackBuilder``), and sent
both ways: to the pack as ``AnalyzerResource`` messages (:func:`analyzer_resources`), and to
``maintcheck scan`` as a preview document (:func:`cli_view` maps gRPC-only shapes -- typed
unknown sentinels, ``{sig, value}`` secrets -- to what JSON documents hold).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, engine_pb2_grpc

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# Typed unknown sentinels, as the engine sends them over gRPC.
TYPED_UNKNOWN = {
    "bool": "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "number": "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "array": "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "asset": "030794c1-ac77-496b-92df-f27374a8bd58",
    "archive": "e48ece36-62e2-4504-bad9-02848725956a",
    "object": "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
}
SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"

ADVISORY, MANDATORY, DISABLED = analyzer_pb2.ADVISORY, analyzer_pb2.MANDATORY, analyzer_pb2.DISABLED
LEVEL_NAMES = {ADVISORY: "advisory", MANDATORY: "mandatory", DISABLED: "disabled"}
REPO = Path(__file__).resolve().parents[1]


def secret(value: Any) -> dict[str, Any]:
    """A secret-wrapped value as the engine sends it to analyzers."""
    return {SIG: SECRET_SIG, "value": value}


# -- resources -------------------------------------------------------------------------------


def to_struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    """A protobuf Struct (numbers become floats, as on the wire)."""
    struct = struct_pb2.Struct()
    struct.update(dict(value))
    return struct


def _props(record: Mapping[str, Any]) -> Mapping[str, Any]:
    outputs = record.get("outputs")
    return outputs if isinstance(outputs, Mapping) else record.get("inputs") or {}


def analyzer_resources(records: Iterable[Mapping[str, Any]]) -> list[Any]:
    """``AnalyzerResource`` messages for ResourceV3 records: properties, parent, dependencies,
    property dependencies, and the provider (with its properties) each resource names."""
    records = list(records)
    by_urn = {r["urn"]: r for r in records}
    out = []
    for record in records:
        message = analyzer_pb2.AnalyzerResource(
            type=record["type"],
            urn=record["urn"],
            name=record["urn"].rsplit("::", 1)[-1],
            properties=to_struct(_props(record)),
            parent=record.get("parent") or "",
            dependencies=list(record.get("dependencies") or ()),
        )
        for key, urns in (record.get("propertyDependencies") or {}).items():
            message.propertyDependencies[key].urns.extend(urns or ())
        provider_ref = record.get("provider") or ""
        provider_urn = provider_ref.rsplit("::", 1)[0] if provider_ref else ""
        if provider_urn in by_urn:
            provider = by_urn[provider_urn]
            message.provider.CopyFrom(
                analyzer_pb2.AnalyzerProviderResource(
                    type=provider["type"],
                    urn=provider_urn,
                    name=provider_urn.rsplit("::", 1)[-1],
                    properties=to_struct(_props(provider)),
                )
            )
        out.append(message)
    return out


def cli_view(value: Any) -> Any:
    """``value`` as a JSON document holds it: typed unknowns are the string sentinel, and a
    secret is ``{sig, ciphertext}`` (as in a stack export)."""
    if isinstance(value, str):
        return UNKNOWN if value in TYPED_UNKNOWN.values() else value
    if isinstance(value, Mapping):
        if value.get(SIG) == SECRET_SIG:
            return {SIG: SECRET_SIG, "ciphertext": "AAABAKk5c2VjcmV0"}
        return {k: cli_view(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cli_view(v) for v in value]
    return value


# -- the engine's side -------------------------------------------------------------------------


class FakeEngine(engine_pb2_grpc.EngineServicer):  # type: ignore[misc]
    """The ``pulumirpc.Engine`` service a pack may log to; records every log request."""

    def __init__(self) -> None:
        self.logs: list[Any] = []
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        engine_pb2_grpc.add_EngineServicer_to_server(self, self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def Log(self, request: Any, context: Any) -> Any:
        self.logs.append(request)
        return empty_pb2.Empty()

    def stop(self) -> None:
        self.server.stop(0)


class PackProcess:
    """A policy pack started the way the Pulumi engine starts it, and a stub to call it."""

    def __init__(
        self,
        pack_dir: Path,
        *,
        project: str = "app",
        stack: str = "dev",
        config: Mapping[str, str] | None = None,
        dry_run: bool = True,
        timeout: float = 30.0,
    ) -> None:
        self.engine = FakeEngine()
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115  # lives as long as the pack
        env = dict(os.environ)
        env.update(
            PULUMI_PROJECT=project,
            PULUMI_STACK=stack,
            PULUMI_DRY_RUN="true" if dry_run else "false",
            PULUMI_CONFIG=json.dumps(dict(config or {})),
        )
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.policy", self.engine.address, str(pack_dir)],
            cwd=pack_dir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
        )
        self.port = self._read_port(timeout)
        self.startup_seconds = time.perf_counter() - started
        self.channel = grpc.insecure_channel(
            f"127.0.0.1:{self.port}",
            options=[  # as the engine (rpcutil.GrpcChannelOptions): whole stacks, 400 MB
                ("grpc.max_send_message_length", 400 * 1024 * 1024),
                ("grpc.max_receive_message_length", 400 * 1024 * 1024),
            ],
        )
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)

    def _read_port(self, timeout: float) -> int:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else b""
        if not line.strip().isdigit():
            self.close()
            raise RuntimeError(
                f"the pack printed no port (first line {line!r}); stderr:\n{self.stderr_text()}"
            )
        return int(line)

    def stderr_text(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")

    # -- RPCs ------------------------------------------------------------------------------

    def info(self) -> Any:
        return self.stub.GetAnalyzerInfo(empty_pb2.Empty())

    def plugin_info(self) -> Any:
        return self.stub.GetPluginInfo(empty_pb2.Empty())

    def configure(self, config: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        """Policy config as ``pulumi preview`` sends it: ``{policy: {"enforcementLevel": int,
        **properties}}``. Like the engine, a policy's level defaults to the one the pack
        declares. An empty call resets every policy to its defaults."""
        defaults = {p.name: p.enforcementLevel for p in self.info().policies}
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, values in (config or {}).items():
            properties = {k: v for k, v in values.items() if k != "enforcementLevel"}
            entry = request.policyConfig[name]
            entry.properties.update(properties)
            entry.enforcementLevel = values.get("enforcementLevel", defaults.get(name, 0))
        self.stub.Configure(request)

    def analyze_stack(self, resources: Iterable[Any]) -> Any:
        return self.stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=list(resources)))

    def analyze(self, resource: Any) -> Any:
        """``Analyze`` for one resource, as the engine calls it for each step."""
        return self.stub.Analyze(
            analyzer_pb2.AnalyzeRequest(
                type=resource.type,
                urn=resource.urn,
                name=resource.name,
                properties=resource.properties,
                provider=resource.provider if resource.HasField("provider") else None,
            )
        )

    def close(self) -> None:
        if getattr(self, "channel", None) is not None:
            self.channel.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.engine.stop()
        self.stderr.close()


def diagnostics(response: Any) -> list[tuple[str, str, str, str]]:
    """(policy, urn, level, message) of every diagnostic, sorted."""
    return sorted(
        (d.policyName, d.urn, LEVEL_NAMES.get(d.enforcementLevel, "?"), d.message)
        for d in response.diagnostics
    )


__all__ = [
    "ADVISORY",
    "DISABLED",
    "MANDATORY",
    "REPO",
    "TYPED_UNKNOWN",
    "UNKNOWN",
    "FakeEngine",
    "PackProcess",
    "analyzer_resources",
    "cli_view",
    "diagnostics",
    "secret",
    "to_struct",
]
