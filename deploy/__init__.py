"""How the stack runs: the local runner (``python -m deploy.local``) and deployment files."""
