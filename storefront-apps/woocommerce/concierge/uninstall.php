<?php
/**
 * Uninstall: disconnect this site from Concierge (best effort), then remove every option the plugin stored.
 *
 * @package Concierge
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

require_once __DIR__ . '/includes/class-concierge-options.php';
require_once __DIR__ . '/includes/class-concierge-api.php';

// Disconnect: remove this site's WooCommerce installation from the Concierge account (Concierge revokes
// nothing at WooCommerce it does not own; the merchant can also revoke the REST key under WooCommerce → Settings).
$concierge_installations = Concierge_Api::request( 'GET', '/api/v1/installations' );
if ( is_array( $concierge_installations ) ) {
	$concierge_site = untrailingslashit( home_url() );
	foreach ( (array) ( $concierge_installations['items'] ?? array() ) as $concierge_installation ) {
		$concierge_external = untrailingslashit( (string) ( $concierge_installation['externalId'] ?? '' ) );
		if ( 'woocommerce' === ( $concierge_installation['platform'] ?? '' ) && $concierge_external === $concierge_site && ! empty( $concierge_installation['id'] ) ) {
			Concierge_Api::request( 'DELETE', '/api/v1/installations/' . rawurlencode( (string) $concierge_installation['id'] ) );
		}
	}
}

foreach ( Concierge_Options::ALL as $concierge_option ) {
	delete_option( $concierge_option );
}
delete_transient( 'concierge_connect_state' );
