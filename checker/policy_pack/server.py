"""The pack's gRPC analyzer: pulumi_policy's servicer, with one ``AnalyzeStack`` for all rules.

The stock servicer converts every resource of the stack once *per stack policy* through
unknown-checking proxies (about 1.4 s per policy for 10,000 resources), unwraps secrets to
plaintext before a policy sees them, and fails the whole RPC when a policy raises. This
servicer keeps everything else of the SDK (``GetAnalyzerInfo``, ``Configure``, enforcement
levels, ``Analyze``) and answers ``AnalyzeStack`` itself:

* the request's resources become one ``Document`` (read lazily, secrets still marked);
* the engine runs once per call for every enabled policy (``analysis.analyze``); the result
  lives in the call's local variables, so nothing is shared between calls or threads;
* each policy reports its own rule's findings at its enforcement level (as configured);
  notes (could not judge, internal error, bad config) are advisory;
* nothing raises out of the RPC;
* the cyclic garbage collector is paused during the call (``engine.collector_paused``).

If a future SDK lacks the servicer hooks used here, :func:`serve` falls back to
``pulumi_policy.PolicyPack`` with the same policies (see ``RulePolicy.validate``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from concurrent import futures
from typing import Any, Final

import grpc
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy import EnforcementLevel
from pulumi_policy import PolicyPack as SdkPolicyPack
from pulumi_policy.policy import _PolicyAnalyzerServicer

from checker.memory import collector_paused
from checker.model import RuleOptions
from checker.policy_pack.analysis import Violation, analyze, internal_error, read_options
from checker.policy_pack.policies import RulePolicy
from checker.sources.policy import document_from_analyzer, stack_config

# The SDK servicer's methods this module relies on (present in pulumi-policy 1.x).
SDK_HOOKS: Final = (
    "_configure_runtime_settings",
    "_get_enforcement_level",
    "_get_policy_config",
    "_map_enforcement_level",
    "_map_severity",
)
_MAX_MESSAGE: Final = 400 * 1024 * 1024  # as the SDK: whole stacks arrive in one message


class MaintcheckAnalyzer(_PolicyAnalyzerServicer):  # type: ignore[misc]  # the SDK is untyped
    def __init__(
        self, name: str, version: str, policies: Sequence[RulePolicy], description: str
    ) -> None:
        super().__init__(
            name, version, list(policies), EnforcementLevel.ADVISORY, None, description
        )
        self._pack_name = name
        self._pack_version = version
        self._rule_policies = tuple(policies)

    def _enabled(self) -> list[tuple[RulePolicy, EnforcementLevel]]:
        enabled = []
        for policy in self._rule_policies:
            level = self._get_enforcement_level(policy)
            if level == EnforcementLevel.DISABLED:
                continue
            if level == EnforcementLevel.REMEDIATE:  # stack policies cannot remediate
                level = EnforcementLevel.MANDATORY
            enabled.append((policy, level))
        return enabled

    def _diagnostic(self, policy: RulePolicy, level: EnforcementLevel, found: Violation) -> Any:
        return proto.AnalyzeDiagnostic(
            policyName=policy.name,
            policyPackName=self._pack_name,
            policyPackVersion=self._pack_version,
            description=policy.description,
            message=f"{policy.description}\n{found.message}",  # as the SDK's report_violation
            urn=found.urn,
            enforcementLevel=self._map_enforcement_level(
                EnforcementLevel.ADVISORY if found.note else level
            ),
            severity=self._map_severity(policy.severity),
        )

    def _verdicts(
        self, request: Any, enabled: Sequence[tuple[RulePolicy, EnforcementLevel]]
    ) -> dict[str, list[Violation]]:
        options: dict[str, RuleOptions] = {}
        notes: dict[str, list[Violation]] = {}
        for policy, _level in enabled:
            rule = policy.rule
            options[rule.id], problems = read_options(self._get_policy_config(policy.name))
            notes[rule.id] = [
                Violation(f"{rule.id} [{rule.slug}] {problem}", note=True) for problem in problems
            ]
        document = document_from_analyzer(
            request.resources,
            project=os.environ.get("PULUMI_PROJECT", ""),
            stack=os.environ.get("PULUMI_STACK", ""),
            config=stack_config(os.environ),
        )
        verdicts = analyze(document, [policy.rule for policy, _ in enabled], options)
        return {rule_id: notes[rule_id] + found for rule_id, found in verdicts.items()}

    def AnalyzeStack(self, request: Any, context: Any) -> Any:
        with collector_paused():
            return self._analyze_stack(request)

    def _analyze_stack(self, request: Any) -> Any:
        response = proto.AnalyzeResponse()
        try:
            self._configure_runtime_settings()
            enabled = self._enabled()
        except Exception:  # config the SDK could not apply: judge at the default levels
            enabled = [(p, p.enforcement_level) for p in self._rule_policies]
        try:
            verdicts = self._verdicts(request, enabled)
        except Exception as exc:  # never fail the preview's RPC
            verdicts = {p.rule.id: [internal_error(p.rule, exc, "reading the stack")] for p, _ in enabled}
        for policy, level in enabled:
            for found in verdicts.get(policy.rule.id, ()):
                response.diagnostics.append(self._diagnostic(policy, level, found))
        return response


def sdk_supported() -> bool:
    return all(hasattr(_PolicyAnalyzerServicer, hook) for hook in SDK_HOOKS)


def serve(name: str, version: str, policies: Sequence[RulePolicy], description: str) -> None:
    """Start the analyzer, print its port as the first line of stdout (the engine reads it),
    and serve until the engine stops the process."""
    if not sdk_supported():
        SdkPolicyPack(name, list(policies), description=description)
        return
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4),
        options=[("grpc.max_receive_message_length", _MAX_MESSAGE)],
    )
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(
        MaintcheckAnalyzer(name, version, policies, description), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.buffer.write(f"{port}\n".encode())
    sys.stdout.flush()
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        server.stop(0)
