<?php
/**
 * Settings → Concierge: the server URL, Connect (WooCommerce) or the bot key (plain WordPress), secrets.
 *
 * @package Concierge
 */

defined( 'ABSPATH' ) || exit;

/**
 * The Settings API page. Saving goes through options.php, which checks the nonce settings_fields() prints.
 */
final class Concierge_Settings {
	const PAGE  = 'concierge';
	const GROUP = 'concierge';

	/**
	 * Hooks into the admin.
	 */
	public static function register(): void {
		add_action( 'admin_menu', array( self::class, 'menu' ) );
		add_action( 'admin_init', array( self::class, 'settings' ) );
		add_filter( 'plugin_action_links_' . plugin_basename( CONCIERGE_PLUGIN_FILE ), array( self::class, 'action_links' ) );
	}

	/**
	 * True when WooCommerce is active on this site.
	 */
	public static function woocommerce_active(): bool {
		return class_exists( 'WooCommerce' );
	}

	/**
	 * Adds Settings → Concierge.
	 */
	public static function menu(): void {
		add_options_page( __( 'Concierge', 'concierge' ), __( 'Concierge', 'concierge' ), 'manage_options', self::PAGE, array( self::class, 'render' ) );
	}

	/**
	 * A "Settings" link on the Plugins screen.
	 *
	 * @param array $links Existing links.
	 */
	public static function action_links( $links ) {
		$url = admin_url( 'options-general.php?page=' . self::PAGE );
		array_unshift( $links, '<a href="' . esc_url( $url ) . '">' . esc_html__( 'Settings', 'concierge' ) . '</a>' );
		return $links;
	}

	/**
	 * Registers the options and fields.
	 */
	public static function settings(): void {
		register_setting(
			self::GROUP,
			Concierge_Options::SERVER_URL,
			array(
				'type'              => 'string',
				'default'           => '',
				'sanitize_callback' => array( 'Concierge_Options', 'sanitize_server_url' ),
			)
		);
		register_setting(
			self::GROUP,
			Concierge_Options::BOT_KEY,
			array(
				'type'              => 'string',
				'default'           => '',
				'sanitize_callback' => array( 'Concierge_Options', 'sanitize_bot_key' ),
			)
		);
		foreach ( Concierge_Options::SECRETS as $secret ) {
			register_setting(
				self::GROUP,
				$secret,
				array(
					'type'              => 'string',
					'default'           => '',
					'show_in_rest'      => false,
					'sanitize_callback' => static function ( $value ) use ( $secret ) {
						return Concierge_Options::sanitize_secret( $value, $secret );
					},
				)
			);
		}

		add_settings_section( 'concierge_connection', __( 'Connection', 'concierge' ), array( self::class, 'section_intro' ), self::PAGE );
		add_settings_field( Concierge_Options::SERVER_URL, __( 'Concierge server URL', 'concierge' ), array( self::class, 'field_server_url' ), self::PAGE, 'concierge_connection', array( 'label_for' => Concierge_Options::SERVER_URL ) );
		add_settings_field( Concierge_Options::BOT_KEY, __( 'Bot key', 'concierge' ), array( self::class, 'field_bot_key' ), self::PAGE, 'concierge_connection', array( 'label_for' => Concierge_Options::BOT_KEY ) );
		add_settings_field( Concierge_Options::IDENTITY_SECRET, __( 'Identity secret', 'concierge' ), array( self::class, 'field_secret' ), self::PAGE, 'concierge_connection', array( 'label_for' => Concierge_Options::IDENTITY_SECRET, 'help' => __( 'Lets the assistant recognise signed-in customers (so they can ask about their orders without typing an email). Stored on this site only and never shown again.', 'concierge' ) ) );
		add_settings_field( Concierge_Options::API_KEY, __( 'API key', 'concierge' ), array( self::class, 'field_secret' ), self::PAGE, 'concierge_connection', array( 'label_for' => Concierge_Options::API_KEY, 'help' => __( 'Used by Tools → Export/Erase Personal Data to export or erase what Concierge holds for an email address.', 'concierge' ) ) );
	}

	/**
	 * The connect block: Connect for WooCommerce stores, the bot key path otherwise.
	 */
	public static function section_intro(): void {
		$server = Concierge_Options::server_url();
		if ( self::woocommerce_active() ) {
			echo '<p id="concierge-mode" data-mode="woocommerce">' . esc_html__( 'WooCommerce is active: connect your store so the assistant knows your products and orders.', 'concierge' ) . '</p>';
			if ( '' === $server ) {
				echo '<p>' . esc_html__( 'Enter the Concierge server URL and save, then connect.', 'concierge' ) . '</p>';
				return;
			}
			$args = array(
				'site'   => rawurlencode( home_url( '/' ) ),
				'return' => rawurlencode( admin_url( 'options-general.php?page=' . self::PAGE ) ),
			);
			// Plain permalinks: no /wc-auth/v1/ or /wp-json/ here, so Concierge uses their query forms.
			if ( '' === (string) get_option( 'permalink_structure' ) ) {
				$args['permalinks'] = 'plain';
			}
			$connect = add_query_arg( $args, $server . '/plugins/woocommerce/connect' );
			echo '<p><a class="button button-primary" id="concierge-connect" href="' . esc_url( $connect ) . '">' . esc_html__( 'Connect', 'concierge' ) . '</a></p>';
			echo '<p class="description">' . esc_html__( 'You sign in to Concierge, then WooCommerce asks you to approve read/write access. Afterwards paste the bot key shown in the Concierge dashboard below.', 'concierge' ) . '</p>';
			return;
		}
		echo '<p id="concierge-mode" data-mode="wordpress">' . esc_html__( 'WooCommerce is not active on this site: paste the bot key from the Concierge dashboard to show the assistant on every page.', 'concierge' ) . '</p>';
	}

	/**
	 * Server URL field.
	 */
	public static function field_server_url(): void {
		printf(
			'<input type="url" class="regular-text code" id="%1$s" name="%1$s" value="%2$s" placeholder="https://concierge.example.com">',
			esc_attr( Concierge_Options::SERVER_URL ),
			esc_attr( Concierge_Options::server_url() )
		);
	}

	/**
	 * Bot key field.
	 */
	public static function field_bot_key(): void {
		printf(
			'<input type="text" class="regular-text code" id="%1$s" name="%1$s" value="%2$s" autocomplete="off" spellcheck="false">',
			esc_attr( Concierge_Options::BOT_KEY ),
			esc_attr( Concierge_Options::bot_key() )
		);
	}

	/**
	 * A secret field: never pre-filled with the stored value.
	 *
	 * @param array $args Field arguments (label_for, help).
	 */
	public static function field_secret( array $args ): void {
		$name   = (string) $args['label_for'];
		$is_set = '' !== Concierge_Options::secret( $name );
		printf(
			'<input type="password" class="regular-text code" id="%1$s" name="%1$s" value="" autocomplete="new-password" placeholder="%2$s">',
			esc_attr( $name ),
			esc_attr( $is_set ? __( 'Stored — leave empty to keep it', 'concierge' ) : '' )
		);
		echo '<p class="description">' . esc_html( (string) $args['help'] ) . '</p>';
	}

	/**
	 * The page.
	 */
	public static function render(): void {
		if ( ! current_user_can( 'manage_options' ) ) {
			return;
		}
		echo '<div class="wrap"><h1>' . esc_html( get_admin_page_title() ) . '</h1>';
		echo '<form action="' . esc_url( admin_url( 'options.php' ) ) . '" method="post" id="concierge-settings">';
		settings_fields( self::GROUP );
		do_settings_sections( self::PAGE );
		submit_button( __( 'Save settings', 'concierge' ) );
		echo '</form></div>';
	}
}
