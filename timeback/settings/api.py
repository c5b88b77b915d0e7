"""DRF, OAuth2 and OneRoster service settings."""

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "oauth2_provider.contrib.rest_framework.OAuth2Authentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "timeback.api.exception_handler",
    "UNAUTHENTICATED_USER": None,
}

OAUTH2_PROVIDER = {
    # Access tokens live one hour, as Timeback clients expect (expires_in: 3600).
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    # Scopes are validated by tenancy.oauth.TimebackOAuth2Validator against each client's grant.
    "SCOPES_BACKEND_CLASS": "tenancy.oauth.OneRosterScopes",
    "OAUTH2_VALIDATOR_CLASS": "tenancy.oauth.TimebackOAuth2Validator",
    "ALLOWED_GRANT_TYPES": ["client_credentials"],
    "PKCE_REQUIRED": False,
}

ONEROSTER = {
    "DEFAULT_LIMIT": 100,
    "MAX_LIMIT": 3000,
}

# Named explicitly so that migrations can resolve the swappable OAuth2 models.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
