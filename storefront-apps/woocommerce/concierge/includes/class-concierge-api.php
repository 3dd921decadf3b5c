<?php
/**
 * Server-to-server calls to the Concierge merchant API with the stored tenant API key.
 *
 * @package Concierge
 */

defined( 'ABSPATH' ) || exit;

/**
 * A thin wp_remote_request wrapper: JSON in and out, short timeouts, WP_Error on any failure.
 */
final class Concierge_Api {
	/**
	 * Calls the merchant API.
	 *
	 * @param string     $method HTTP method.
	 * @param string     $path   Path under the server URL, e.g. "/api/v1/privacy/export".
	 * @param array|null $body   JSON body.
	 * @return array|WP_Error Decoded JSON answer (an empty array for an empty body).
	 */
	public static function request( string $method, string $path, ?array $body = null ) {
		$server  = Concierge_Options::server_url();
		$api_key = Concierge_Options::secret( Concierge_Options::API_KEY );
		if ( '' === $server || '' === $api_key ) {
			return new WP_Error( 'concierge_not_connected', __( 'Concierge is not connected: set the server URL and the API key in Settings → Concierge.', 'concierge' ) );
		}
		$args = array(
			'method'  => $method,
			'timeout' => 15,
			'headers' => array(
				'Authorization' => 'Bearer ' . $api_key,
				'Accept'        => 'application/json',
			),
		);
		if ( null !== $body ) {
			$args['headers']['Content-Type'] = 'application/json';
			$args['body']                    = wp_json_encode( $body );
		}
		$response = wp_remote_request( $server . $path, $args );
		if ( is_wp_error( $response ) ) {
			return $response;
		}
		$status = (int) wp_remote_retrieve_response_code( $response );
		$raw    = wp_remote_retrieve_body( $response );
		$data   = '' === $raw ? array() : json_decode( $raw, true );
		if ( $status < 200 || $status >= 300 ) {
			$detail = is_array( $data ) && isset( $data['detail'] ) ? (string) $data['detail'] : '';
			/* translators: 1: HTTP status code, 2: error detail from the server. */
			return new WP_Error( 'concierge_http_' . $status, sprintf( __( 'Concierge answered %1$d. %2$s', 'concierge' ), $status, $detail ) );
		}
		return is_array( $data ) ? $data : array();
	}
}
