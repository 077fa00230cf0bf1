"""DescribeInstances keyset paging (MaxResults / NextToken): registration order, no duplicates or gaps when
instances register between pages, no count, a bad token named."""

from __future__ import annotations

from tether.auth.agentkey import generate_key, public_key_text


async def _register(api, activation: dict, n: int) -> list[str]:
    made = []
    for _ in range(n):
        reply = await api.ok(
            "RegisterInstance",
            {"ActivationId": activation["ActivationId"], "ActivationCode": activation["ActivationCode"],
             "PublicKey": public_key_text(generate_key())},
            signed=False,
        )
        made.append(reply["InstanceId"])
    return made


async def test_pages_follow_registration_order_without_gaps_or_duplicates(api) -> None:
    activation = await api.ok("CreateActivation", {"InstanceCount": 100})
    first = await _register(api, activation, 12)
    seen: list[str] = []
    body: dict = {"MaxResults": 5}
    late: list[str] = []
    pages = 0
    while True:
        reply = await api.ok("DescribeInstances", body)
        pages += 1
        assert "TotalCount" not in reply and reply["MaxResults"] == 5
        seen += [i["InstanceId"] for i in reply["Instances"]]
        if pages == 1:
            late = await _register(api, activation, 4)  # registered between pages: they come at the end
        if "NextToken" not in reply:
            break
        body = {"MaxResults": 5, "NextToken": reply["NextToken"]}
    assert seen == first + late
    assert pages == 4  # 16 instances, 5 a page
    deregistered = first[3]
    await api.ok("DeregisterInstance", {"InstanceId": deregistered})
    again = await api.ok("DescribeInstances", {"MaxResults": 100})
    assert [i["InstanceId"] for i in again["Instances"]] == [i for i in first + late if i != deregistered]
    assert "NextToken" not in again
    only = await api.ok("DescribeInstances", {"MaxResults": 1, "InstanceIds": [late[0], first[0]]})
    assert [i["InstanceId"] for i in only["Instances"]] == [first[0]] and "NextToken" in only


async def test_a_bad_next_token_is_refused_by_name(api) -> None:
    for token in ("not base64 at all!", "Zm9v", "MjAyNi0wMS0wMVQwMDowMDowMCswMDowMHw"):  # "foo"; "<time>|" (no id)
        reply = await api.call("DescribeInstances", {"MaxResults": 5, "NextToken": token})
        assert reply.status == 400 and reply.code == "InvalidParameter", reply
        assert "NextToken" in reply.body["Message"]


async def test_activation_uses_beyond_a_thousand(api) -> None:
    reply = await api.ok("CreateActivation", {"InstanceCount": 10_000})
    assert reply["ActivationId"]
    refused = await api.call("CreateActivation", {"InstanceCount": 100_001})
    assert refused.status == 400
