"""API benchmark: StartTerminalSession through Alibaba Cloud's SDKs (the ECS OpenAPI dialect) beside tether's own
signed call, against the same server, in one run, as ratios.

    python bench/api_bench.py [--rounds 200]

Starts its own tether server and agent (loopback, TLS, certificate verified by every client). Each round times one
StartTerminalSession round trip with each client, in turn (so drift in the machine's load hits all alike), then ends
the session untimed:
- tether: `tether.client.api.ApiClient` (the CLI's client, tether's own signature, one kept-alive connection);
- new SDK: `alibabacloud_ecs20140526` (V3 `ACS3-HMAC-SHA256` signature);
- old SDK: `aliyun-python-sdk-core` + `aliyun-python-sdk-ecs` (RPC HMAC-SHA1 signature).
Prints median and p90 per call and each SDK's ratio to tether (the target: an SDK call costs no more than tether's
own, ratio <= 1.0 within the noise; the SDKs' own client-side work is part of what is measured). Machines here are
noisy: read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import _support  # noqa: F401  (registers tests/support as `support`, imported below)
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.models import Config
from support.stack import Stack

from tether.client.api import ApiClient

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # the old SDK's vendored six/urllib3
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkecs.request.v20140526.StartTerminalSessionRequest import StartTerminalSessionRequest

REGION = "cn-hangzhou"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)  # the old SDK's vendored urllib3, while it sends
    with tempfile.TemporaryDirectory() as root:
        stack = Stack(Path(root))
        stack.start_server()
        try:
            instance = stack.add_agent()
            run(stack, instance, args.rounds)
        finally:
            stack.close()


def run(stack: Stack, instance: str, rounds: int) -> None:
    creds = stack.creds
    endpoint = f"127.0.0.1:{stack.port}"
    new = Client(Config(access_key_id=creds["access_key_id"], access_key_secret=creds["access_key_secret"],
                        endpoint=endpoint, protocol="HTTPS", region_id=REGION, ca=creds["ca_cert"]))
    old = AcsClient(creds["access_key_id"], creds["access_key_secret"], REGION, verify=creds["ca_cert"],
                    auto_retry=False)
    runner = asyncio.Runner()
    own = ApiClient(creds["server"], creds["access_key_id"], creds["access_key_secret"], ca_cert=creds["ca_cert"])

    def tether_call() -> str:
        result = runner.run(own.call("StartTerminalSession", {"InstanceId": instance}))
        return str(result["SessionId"])

    def new_sdk_call() -> str:
        request = ecs.StartTerminalSessionRequest(region_id=REGION, instance_id=[instance])
        return str(new.start_terminal_session(request).body.session_id)

    def old_sdk_call() -> str:
        request = StartTerminalSessionRequest()
        request.set_InstanceIds([instance])
        request.set_endpoint(endpoint)
        request.set_protocol_type("https")
        return str(json.loads(old.do_action_with_exception(request))["SessionId"])

    clients: dict[str, Callable[[], str]] = {"tether": tether_call, "new SDK (V3)": new_sdk_call,
                                             "old SDK (RPC)": old_sdk_call}
    times: dict[str, list[float]] = {name: [] for name in clients}
    try:
        for call in clients.values():  # warm-up: connections, imports, first-use caches
            runner.run(own.call("EndTerminalSession", {"SessionId": call()}))
        for _ in range(rounds):
            for name, call in clients.items():
                start = time.perf_counter()
                session_id = call()
                times[name].append(time.perf_counter() - start)
                runner.run(own.call("EndTerminalSession", {"SessionId": session_id}))
    finally:
        runner.run(own.close())
        runner.close()
        old.session.close()
    base = statistics.median(times["tether"])
    print(f"\nStartTerminalSession round trip, {rounds} rounds, clients alternating, same server and agent")
    print(f"{'':<20}{'median (ms)':>12}{'p90 (ms)':>12}{'ratio to tether':>18}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<20}{median * 1e3:12.2f}{percentile(values, 90) * 1e3:12.2f}{median / base:18.2f}")


if __name__ == "__main__":
    main()
