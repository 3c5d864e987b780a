#!/usr/bin/python3
"""tests/gitlab_server/server.py with TCP_NODELAY on its connections.

The test server writes an answer's headers and body in two send() calls;
with Nagle's algorithm on, the body of every answer after the first on a
keep-alive connection then waits for the client's delayed ACK (~40 ms on
Linux), which would swamp the 20 ms latency the benchmark adds. Real
GitLab (nginx) does not do that, so the benchmark turns Nagle off.
Same command line as server.py.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                                "gitlab_server"))
import server  # noqa: E402

server.Handler.disable_nagle_algorithm = True
sys.exit(server.main())
