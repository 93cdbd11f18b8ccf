"""The bus: JetStream topology, the relay, and the consumer base."""
