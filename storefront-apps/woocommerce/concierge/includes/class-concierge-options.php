<?php
/**
 * The plugin's options: one place that names, reads and sanitizes them.
 *
 * @package Concierge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Option names (pinned: concierge_server_url and concierge_bot_key) and their sanitizers.
 */
final class Concierge_Options {
	const SERVER_URL      = 'concierge_server_url';
	const BOT_KEY         = 'concierge_bot_key';
	const IDENTITY_SECRET = 'concierge_identity_secret';
	const API_KEY         = 'concierge_api_key';

	/** Every option the plugin owns (uninstall removes them all). */
	const ALL = array( self::SERVER_URL, self::BOT_KEY, self::IDENTITY_SECRET, self::API_KEY );

	/** Secrets: never printed back into a page; an empty submission keeps the stored value. */
	const SECRETS = array( self::IDENTITY_SECRET, self::API_KEY );

	/**
	 * The Concierge server's base URL without a trailing slash, or '' when unset.
	 */
	public static function server_url(): string {
		return untrailingslashit( (string) get_option( self::SERVER_URL, '' ) );
	}

	/**
	 * The bot's public key, or '' when unset.
	 */
	public static function bot_key(): string {
		return (string) get_option( self::BOT_KEY, '' );
	}

	/**
	 * A secret option's value ('' when unset).
	 *
	 * @param string $name One of self::SECRETS.
	 */
	public static function secret( string $name ): string {
		return (string) get_option( $name, '' );
	}

	/**
	 * Only http(s) URLs; anything else is refused with a settings error and the old value kept.
	 *
	 * @param mixed $value Submitted value.
	 */
	public static function sanitize_server_url( $value ): string {
		$value = is_string( $value ) ? trim( $value ) : '';
		if ( '' === $value ) {
			return '';
		}
		$url    = esc_url_raw( $value, array( 'http', 'https' ) );
		$scheme = wp_parse_url( $url, PHP_URL_SCHEME );
		if ( '' === $url || ! in_array( $scheme, array( 'http', 'https' ), true ) || ! wp_parse_url( $url, PHP_URL_HOST ) ) {
			add_settings_error( self::SERVER_URL, 'concierge_server_url_invalid', __( 'The Concierge server URL must start with https:// (or http:// for a local server).', 'concierge' ) );
			return (string) get_option( self::SERVER_URL, '' );
		}
		return untrailingslashit( $url );
	}

	/**
	 * Bot public keys are 8–128 characters of A–Z, a–z, 0–9, "_" and "-".
	 *
	 * @param mixed $value Submitted value.
	 */
	public static function sanitize_bot_key( $value ): string {
		$value = is_string( $value ) ? trim( $value ) : '';
		if ( '' === $value || preg_match( '/^[A-Za-z0-9_-]{8,128}$/', $value ) ) {
			return $value;
		}
		add_settings_error( self::BOT_KEY, 'concierge_bot_key_invalid', __( 'The bot key is 8 to 128 letters, digits, "_" or "-". Copy it from the Concierge dashboard.', 'concierge' ) );
		return (string) get_option( self::BOT_KEY, '' );
	}

	/**
	 * A secret: printable ASCII without spaces; empty keeps the stored one (the form never shows it).
	 *
	 * @param mixed $value Submitted value.
	 * @param string $name Option name.
	 */
	public static function sanitize_secret( $value, string $name ): string {
		$value = is_string( $value ) ? trim( $value ) : '';
		if ( '' === $value ) {
			return (string) get_option( $name, '' );
		}
		if ( ! preg_match( '/^[\x21-\x7E]{16,512}$/', $value ) ) {
			add_settings_error( $name, $name . '_invalid', __( 'That secret does not look right: copy it again from the Concierge dashboard.', 'concierge' ) );
			return (string) get_option( $name, '' );
		}
		return $value;
	}

	/**
	 * Deactivation keeps the settings; nothing is stored that a deactivated plugin would leave stale.
	 */
	public static function on_deactivate(): void {
		delete_transient( 'concierge_connect_state' );
	}
}
