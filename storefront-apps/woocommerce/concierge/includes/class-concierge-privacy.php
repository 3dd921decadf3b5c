<?php
/**
 * Tools → Export/Erase Personal Data also covers what Concierge holds for the email address.
 *
 * @package Concierge
 */

defined( 'ABSPATH' ) || exit;

/**
 * A personal-data exporter and eraser backed by the Concierge merchant API (tenant API key).
 */
final class Concierge_Privacy {
	const ID = 'concierge';

	/**
	 * Hooks into WordPress's privacy tools.
	 */
	public static function register(): void {
		add_filter( 'wp_privacy_personal_data_exporters', array( self::class, 'exporters' ) );
		add_filter( 'wp_privacy_personal_data_erasers', array( self::class, 'erasers' ) );
		add_action( 'admin_init', array( self::class, 'policy_text' ) );
	}

	/**
	 * Registers the exporter.
	 *
	 * @param array $exporters Registered exporters.
	 */
	public static function exporters( $exporters ) {
		$exporters[ self::ID ] = array(
			'exporter_friendly_name' => __( 'Concierge chat and bookings', 'concierge' ),
			'callback'               => array( self::class, 'export' ),
		);
		return $exporters;
	}

	/**
	 * Registers the eraser.
	 *
	 * @param array $erasers Registered erasers.
	 */
	public static function erasers( $erasers ) {
		$erasers[ self::ID ] = array(
			'eraser_friendly_name' => __( 'Concierge chat and bookings', 'concierge' ),
			'callback'             => array( self::class, 'erase' ),
		);
		return $erasers;
	}

	/**
	 * Suggested privacy policy text.
	 */
	public static function policy_text(): void {
		if ( function_exists( 'wp_add_privacy_policy_content' ) ) {
			wp_add_privacy_policy_content( __( 'Concierge', 'concierge' ), wp_kses_post( '<p>' . __( 'When you use the chat assistant, your messages, and any booking details or email address you give, are processed by Concierge to answer you.', 'concierge' ) . '</p>' ) );
		}
	}

	/**
	 * Exports the conversations and bookings Concierge holds for an email address (one page: the API answers them all).
	 *
	 * @param string $email Email address.
	 * @param int    $page  Page (always 1).
	 */
	public static function export( $email, $page = 1 ): array {
		unset( $page );
		$data = Concierge_Api::request( 'POST', '/api/v1/privacy/export', array( 'email' => (string) $email ) );
		if ( is_wp_error( $data ) ) {
			return array(
				'data' => array(),
				'done' => true,
			);
		}
		$items = array();
		foreach ( (array) ( $data['conversations'] ?? array() ) as $conversation ) {
			$lines = array();
			foreach ( (array) ( $conversation['messages'] ?? array() ) as $message ) {
				$lines[] = sprintf( '[%s] %s: %s', (string) ( $message['at'] ?? '' ), (string) ( $message['role'] ?? '' ), (string) ( $message['text'] ?? '' ) );
			}
			$items[] = array(
				'group_id'    => 'concierge-conversations',
				'group_label' => __( 'Concierge conversations', 'concierge' ),
				'item_id'     => 'concierge-conversation-' . (string) ( $conversation['id'] ?? '' ),
				'data'        => array(
					array(
						'name'  => __( 'Started', 'concierge' ),
						'value' => (string) ( $conversation['startedAt'] ?? '' ),
					),
					array(
						'name'  => __( 'Messages', 'concierge' ),
						'value' => implode( "\n", $lines ),
					),
				),
			);
		}
		foreach ( (array) ( $data['bookings'] ?? array() ) as $booking ) {
			$customer = (array) ( $booking['customer'] ?? array() );
			$items[]  = array(
				'group_id'    => 'concierge-bookings',
				'group_label' => __( 'Concierge bookings', 'concierge' ),
				'item_id'     => 'concierge-booking-' . (string) ( $booking['id'] ?? '' ),
				'data'        => array(
					array(
						'name'  => __( 'Start', 'concierge' ),
						'value' => (string) ( $booking['start'] ?? '' ),
					),
					array(
						'name'  => __( 'Status', 'concierge' ),
						'value' => (string) ( $booking['status'] ?? '' ),
					),
					array(
						'name'  => __( 'Name', 'concierge' ),
						'value' => (string) ( $customer['name'] ?? '' ),
					),
					array(
						'name'  => __( 'Phone', 'concierge' ),
						'value' => (string) ( $customer['phone'] ?? '' ),
					),
				),
			);
		}
		return array(
			'data' => $items,
			'done' => true,
		);
	}

	/**
	 * Erases what Concierge holds for an email address.
	 *
	 * @param string $email Email address.
	 * @param int    $page  Page (always 1).
	 */
	public static function erase( $email, $page = 1 ): array {
		unset( $page );
		$data = Concierge_Api::request( 'POST', '/api/v1/privacy/erase', array( 'email' => (string) $email ) );
		if ( is_wp_error( $data ) ) {
			return array(
				'items_removed'  => false,
				'items_retained' => true,
				'messages'       => array( $data->get_error_message() ),
				'done'           => true,
			);
		}
		$removed = (int) ( $data['conversationsErased'] ?? 0 ) + (int) ( $data['bookingsErased'] ?? 0 );
		return array(
			'items_removed'  => $removed > 0,
			'items_retained' => false,
			'messages'       => array(),
			'done'           => true,
		);
	}
}
