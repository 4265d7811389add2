"""Drive kypho's CDS service with HealthChain as the client; run by HealthChain's own
Python (its virtual environment), not kypho's. Reads one JSON object on standard input:
``{"url", "hook", "context", "prefetch"}``; prints the responses HealthChain received.

HealthChain builds the request (``CdsRequestConstructor``, its pydantic models) and sends
it (``SandboxClient.send_requests``); nothing here shapes the request by hand.
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    from healthchain.sandbox import SandboxClient  # only in HealthChain's environment
    from healthchain.sandbox.requestconstructors import CdsRequestConstructor
    from healthchain.sandbox.workflows import Workflow

    job = json.load(sys.stdin)
    workflow = Workflow(job["hook"])
    client = SandboxClient(url=job["url"], workflow=workflow, timeout=60.0)
    request = CdsRequestConstructor().construct_request(
        prefetch_data=job["prefetch"], workflow=workflow, context=job["context"]
    )
    client.requests.append(request)
    sent = request.model_dump(exclude_none=True, mode="json")
    sys.stdout.write(json.dumps({"sent": sent, "responses": client.send_requests()}) + "\n")


if __name__ == "__main__":
    main()
