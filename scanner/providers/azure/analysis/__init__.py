"""Azure analyses the derivers and operators share: diagnostic categories with their groups,
effective blob immutability, role-definition resolution and who can tamper with the logs."""
