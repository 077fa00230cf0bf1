"""`POST /api/v1/{Action}`: request checks and authentication (dispatch), errors, and one module per area."""
