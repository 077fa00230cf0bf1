"""The ECS OpenAPI dialect (`POST /`, `GET /?Action=...`): a second way in to tether's API actions."""
