<?php
/**
 * The storefront: the widget loader in the footer (async), and a verified identity for logged-in customers.
 *
 * @package Concierge
 */

defined( 'ABSPATH' ) || exit;

/**
 * Enqueues the loader with wp_enqueue_script (never on admin pages) and adds its data attributes.
 */
final class Concierge_Frontend {
	const LOADER_HANDLE   = 'concierge-loader';
	const IDENTITY_HANDLE = 'concierge-identity';

	/**
	 * Hooks into WordPress.
	 */
	public static function register(): void {
		add_action( 'wp_enqueue_scripts', array( self::class, 'enqueue' ) );
		add_filter( 'script_loader_tag', array( self::class, 'script_tag' ), 10, 2 );
	}

	/**
	 * WordPress 6.3 added the `strategy` argument (async/defer) to wp_enqueue_script.
	 */
	public static function supports_strategy(): bool {
		return version_compare( get_bloginfo( 'version' ), '6.3', '>=' );
	}

	/**
	 * Enqueues the loader (and, for a logged-in customer, the identity script) in the footer.
	 */
	public static function enqueue(): void {
		if ( is_admin() ) {
			return;
		}
		$server  = Concierge_Options::server_url();
		$bot_key = Concierge_Options::bot_key();
		if ( '' === $server || '' === $bot_key ) {
			return;
		}
		$identity = self::identity();
		if ( null !== $identity ) {
			// A plain, tiny script that queues Concierge('identify', …) from its data attributes (no inline script: CSP-safe).
			wp_enqueue_script( self::IDENTITY_HANDLE, plugins_url( 'assets/identify.js', CONCIERGE_PLUGIN_FILE ), array(), CONCIERGE_VERSION, true );
		}
		$args = self::supports_strategy() ? array(
			'in_footer' => true,
			'strategy'  => 'async',
		) : true;
		// No ?ver=: the server names the panel bundle and sets its own cache lifetime.
		wp_enqueue_script( self::LOADER_HANDLE, $server . '/widget.js', array(), null, $args ); // phpcs:ignore WordPress.WP.EnqueuedResourceParameters.MissingVersion
	}

	/**
	 * The logged-in customer's id and email signed with the bot's identity secret, or null.
	 * The signature is hex HMAC-SHA256 over "<customer id>\n<lower-cased email>", as Concierge verifies it.
	 *
	 * @return array{customerId: string, email: string, signature: string}|null
	 */
	public static function identity(): ?array {
		if ( ! is_user_logged_in() ) {
			return null;
		}
		$secret = Concierge_Options::secret( Concierge_Options::IDENTITY_SECRET );
		$user   = wp_get_current_user();
		if ( '' === $secret || ! $user->exists() || '' === (string) $user->user_email ) {
			return null;
		}
		$customer_id = (string) $user->ID; // WooCommerce's customer id is the WordPress user id.
		$email       = strtolower( trim( (string) $user->user_email ) );
		return array(
			'customerId' => $customer_id,
			'email'      => $email,
			'signature'  => hash_hmac( 'sha256', $customer_id . "\n" . $email, $secret ),
		);
	}

	/**
	 * Adds the data attributes (and `async` before WordPress 6.3) to our two script tags.
	 *
	 * @param string $tag    The script tag WordPress built.
	 * @param string $handle Its handle.
	 */
	public static function script_tag( $tag, $handle ) {
		if ( self::LOADER_HANDLE === $handle ) {
			$attributes = sprintf( ' data-bot="%s" data-locale="%s"', esc_attr( Concierge_Options::bot_key() ), esc_attr( get_bloginfo( 'language' ) ) );
			if ( ! preg_match( '/<script[^>]*\sasync[\s>=]/', $tag ) ) {
				$attributes .= ' async';
			}
			return preg_replace( '/<script\b/', '<script' . $attributes, $tag, 1 );
		}
		if ( self::IDENTITY_HANDLE === $handle ) {
			$identity = self::identity();
			if ( null === $identity ) {
				return '';
			}
			$attributes = sprintf(
				' data-customer-id="%s" data-email="%s" data-signature="%s"',
				esc_attr( $identity['customerId'] ),
				esc_attr( $identity['email'] ),
				esc_attr( $identity['signature'] )
			);
			return preg_replace( '/<script\b/', '<script' . $attributes, $tag, 1 );
		}
		return $tag;
	}
}
