"""The integration service: work items of petugas, feasibility analysis and implementation."""
