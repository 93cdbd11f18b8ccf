"""The pure rules of intake: who may submit through which channel, and what a submission needs."""
