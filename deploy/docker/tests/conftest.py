"""Test config of the image tests: testcontainers without its Ryuk reaper.

Ryuk is a container that removes a session's containers when the session dies; its image (testcontainers/ryuk) is
pulled from Docker Hub, which this machine cannot reach, and nothing here may be pulled. The fixtures of
test_containers.py remove every container they start instead, pass or fail, and check that none is left. Set here,
before any test module imports testcontainers, so that nobody has to remember an environment variable.
"""

import os

os.environ["TESTCONTAINERS_RYUK_DISABLED"] = "true"
