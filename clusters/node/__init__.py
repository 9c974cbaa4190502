"""Node agents: the console's side (remote) and the agent's side (agent) of node-local work."""
